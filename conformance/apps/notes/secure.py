"""WSGI entry point of the notes application as Flask's "Security Considerations" recommend:
``gunicorn --chdir conformance/apps notes.secure:app``."""
from . import create_app

app = create_app("secure")
