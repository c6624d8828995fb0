"""Extension objects, created once and bound to each application in ``create_app`` (the init_app pattern)."""
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to access this page."

csrf = CSRFProtect()
