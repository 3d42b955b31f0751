"""`phrasecheck serve`: the local QA workbench (Starlette app in web/app.py, templates and static files here)."""
