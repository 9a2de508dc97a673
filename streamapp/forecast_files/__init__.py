"""Forecasts of files (`streamapp backtest FILE`, `streamapp forecast FILE`): reading the
CSV shapes people have, plotting actual vs forecast, and writing forecasts into the
`FORECASTS` warehouse table.

May import config, analytics.forecasting and loaders; never Faust, agents or tables.
"""
