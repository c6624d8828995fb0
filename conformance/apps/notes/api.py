"""The JSON API used by the page scripts. Anonymous requests get 401 JSON (see auth.unauthorized)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/me")
@login_required
def me():
    return jsonify(username=current_user.username, id=current_user.id)
