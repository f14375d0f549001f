"""Two worlds for the query-count tests, built once per module with operations.national and rolled back after."""
