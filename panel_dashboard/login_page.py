"""Our login page for basic auth: everything inline, so it loads nothing from outside the
server (Panel's default page fetches a logo and a favicon from its CDN).

Kept as a string rather than a data file, so a plain `pip install .` (the container image)
ships it; Panel wants a path, so `login_template()` writes it out once per process.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

LOGIN_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>streamapp dashboard: sign in</title>
  <link rel="icon" href="data:,">
  <style>
    body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
    form { max-width: 320px; margin: 12vh auto; background: white; padding: 28px;
           border-radius: 8px; box-shadow: 0 2px 10px rgba(0, 0, 0, 0.12); }
    h1 { font-size: 1.2rem; margin: 0 0 18px; }
    input { display: block; width: 100%; box-sizing: border-box; margin: 0 0 12px;
            padding: 9px; border: 1px solid #bbb; border-radius: 4px; font-size: 1rem; }
    button { width: 100%; padding: 10px; border: 0; border-radius: 4px; background: #1f4e79;
             color: white; font-size: 1rem; cursor: pointer; }
    .error { color: #c62828; font-weight: bold; min-height: 1.2em; }
  </style>
</head>
<body>
  <form action=".{{ login_endpoint }}" method="post">
    <h1>Streaming platforms dashboard</h1>
    <p class="error" id="error-message">{{ errormessage|escape }}</p>
    <input name="username" type="text" autocapitalize="off" autocorrect="off" placeholder="username" autofocus>
    <input name="password" type="password" placeholder="password">
    <button type="submit">Sign in</button>
  </form>
</body>
</html>
"""


@cache
def login_template() -> Path:
    """The page as a Jinja2 template file (Panel fills `login_endpoint`, `errormessage`)."""
    folder = tempfile.mkdtemp(prefix="streamapp-dashboard-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "login.html"
    path.write_text(LOGIN_HTML, encoding="utf-8")
    return path
