"""What runs the year across the rooms: the ministry's home and dashboard, deadline reminders, backups
and the national data generator. The top floor below config: it may import every domain app, none imports it."""
