"""Two worlds for the query-count tests, built once per module with core.national and rolled back after."""
