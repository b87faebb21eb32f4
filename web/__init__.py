"""The chat page's static files, shipped in the wheel as the package ``qa.web`` (see pyproject.toml)."""
