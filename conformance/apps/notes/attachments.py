"""Attachments: files a user uploads and downloads again (Flask's "Uploading Files" pattern)."""
from __future__ import annotations

import io
import mimetypes

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from .forms import AttachmentForm
from .helpers import store

bp = Blueprint("attachments", __name__, url_prefix="/attachments")


@bp.route("", methods=("GET", "POST"))
@login_required
def index():
    form = AttachmentForm()
    if form.validate_on_submit():
        f = form.attachment.data
        name = secure_filename(f.filename or "") or "attachment"
        att = store().add_attachment(current_user.id, name, f.read())
        flash(f"Uploaded {att.filename}.")
        return redirect(url_for("attachments.index"))
    return render_template("attachments/index.html", form=form, attachments=store().attachments_of(current_user.id))


@bp.route("/<attachment_id>")
@login_required
def download(attachment_id: str):
    att = store().attachment(current_user.id, attachment_id)
    if att is None:
        abort(404)
    if current_app.config["NOTES_DOWNLOADS_AS_ATTACHMENT"]:
        # user content is never rendered by the browser: a download, of a type it does not sniff
        resp = send_file(io.BytesIO(att.data), mimetype="application/octet-stream", as_attachment=True,
                         download_name=att.filename)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp
    mimetype = mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
    return send_file(io.BytesIO(att.data), mimetype=mimetype, download_name=att.filename)
