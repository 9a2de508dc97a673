"""The live Panel dashboard (a separate process that never imports the worker). It lands
with the dashboard issue; `streamapp up --no-dashboard` is accepted until then."""
