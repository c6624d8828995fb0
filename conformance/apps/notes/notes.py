"""The notes themselves: the index lists the logged-in user's notes, ``/notes/new`` writes one, ``/search``
finds them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .forms import NoteForm
from .helpers import clean_text, store

bp = Blueprint("notes", __name__)


@bp.route("/")
def index():
    notes = store().notes_of(current_user.id) if current_user.is_authenticated else []
    return render_template("notes/index.html", notes=notes)


@bp.route("/notes/new", methods=("GET", "POST"))
@login_required
def create():
    form = NoteForm()
    if form.validate_on_submit():
        store().add_note(current_user.id, form.title.data, form.body.data or "")
        flash("Note saved.")
        return redirect(url_for("notes.index"))
    return render_template("notes/new.html", form=form)


@bp.route("/search")
def search():
    term = clean_text(request.args.get("term", ""))[:200]
    results = None
    if term and current_user.is_authenticated:
        results = store().notes_of(current_user.id, term)
    return render_template("notes/search.html", term=term, results=results)
