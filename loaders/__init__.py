"""Warehouse loaders (plain rows in, no Faust). The Snowflake loader lands with the
warehouse issue; nothing here is wired into the worker yet."""
