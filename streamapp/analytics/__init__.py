"""Pure functions: classification, windows, baselines and alert rules. No Faust, no I/O."""
