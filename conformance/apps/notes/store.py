"""In-memory state of one notes application: users, notes, attachments and the outgoing mail.

The app runs in one gunicorn worker with threads, so one ``Store`` per application object holds everything and
one lock guards it. Every collection is bounded (oldest entries dropped) so that a long run against the app
cannot grow its memory without end.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

MAX_NOTES_PER_USER = 500
MAX_ATTACHMENTS = 200
MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024  # all attachments together
MAX_USERS = 1000
MAX_OUTBOX = 100

DEMO_USERS = (("alice", "alice@example.test", "alice-password"), ("bob", "bob@example.test", "bob-password"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(eq=False)
class User(UserMixin):
    id: int
    username: str
    email: str
    password_hash: str
    display_name: str = ""
    website: str = ""

    def profile(self) -> dict:
        """What the public profile page shows (and hands to its script as JSON)."""
        return {"username": self.username, "display_name": self.display_name, "website": self.website}


@dataclass
class Note:
    id: int
    user_id: int
    title: str
    body: str
    created: datetime = field(default_factory=_now)


@dataclass
class Attachment:
    id: str
    user_id: int
    filename: str
    data: bytes
    uploaded: datetime = field(default_factory=_now)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    sent: datetime = field(default_factory=_now)


class UsernameTaken(ValueError):
    pass


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._users: dict[int, User] = {}
        self._notes: list[Note] = []
        self._attachments: dict[str, Attachment] = {}
        self._next_user = 1
        self._next_note = 1
        self.outbox: list[Mail] = []
        # checked when the username is unknown, so that a wrong name costs as long as a wrong password
        self._dummy_hash = generate_password_hash(secrets.token_hex(16))

    @classmethod
    def with_demo_users(cls) -> "Store":
        store = cls()
        for username, email, password in DEMO_USERS:
            store.add_user(username, email, password)
        return store

    # -- users
    def add_user(self, username: str, email: str, password: str) -> User:
        pw_hash = generate_password_hash(password)  # outside the lock: it is slow on purpose
        with self.lock:
            if self._find(username) is not None or self._find(email) is not None:
                raise UsernameTaken(username)
            if len(self._users) >= MAX_USERS:
                raise ValueError("too many users")
            user = User(self._next_user, username, email, pw_hash)
            self._users[user.id] = user
            self._next_user += 1
            return user

    def _find(self, login: str) -> User | None:
        login = login.casefold()
        for u in self._users.values():
            if u.username.casefold() == login or u.email.casefold() == login:
                return u
        return None

    def user(self, user_id: int) -> User | None:
        with self.lock:
            return self._users.get(user_id)

    def find_user(self, login: str) -> User | None:
        """The user with this username or email (case-insensitive)."""
        with self.lock:
            return self._find(login)

    def check_credentials(self, username: str, password: str) -> User | None:
        with self.lock:
            user = self._find(username)
            pw_hash = user.password_hash if user else self._dummy_hash
        ok = check_password_hash(pw_hash, password)
        return user if user is not None and ok else None

    def set_password(self, user_id: int, password: str) -> None:
        pw_hash = generate_password_hash(password)
        with self.lock:
            self._users[user_id].password_hash = pw_hash

    def update_profile(self, user_id: int, display_name: str, website: str) -> None:
        with self.lock:
            u = self._users[user_id]
            u.display_name, u.website = display_name, website

    # -- notes
    def add_note(self, user_id: int, title: str, body: str) -> Note:
        with self.lock:
            note = Note(self._next_note, user_id, title, body)
            self._next_note += 1
            self._notes.append(note)
            mine = [n for n in self._notes if n.user_id == user_id]
            if len(mine) > MAX_NOTES_PER_USER:
                self._notes.remove(mine[0])
            return note

    def notes_of(self, user_id: int, term: str | None = None) -> list[Note]:
        """The user's notes, newest first; with ``term``, those whose title or body contains it."""
        t = term.casefold() if term else None
        with self.lock:
            out = [n for n in self._notes if n.user_id == user_id
                   and (t is None or t in n.title.casefold() or t in n.body.casefold())]
        return out[::-1]

    # -- attachments
    def add_attachment(self, user_id: int, filename: str, data: bytes) -> Attachment:
        att = Attachment(secrets.token_hex(8), user_id, filename, data)
        with self.lock:
            self._attachments[att.id] = att
            while len(self._attachments) > MAX_ATTACHMENTS or (
                    len(self._attachments) > 1 and sum(a.size for a in self._attachments.values()) > MAX_ATTACHMENT_BYTES):
                self._attachments.pop(next(iter(self._attachments)))
        return att

    def attachments_of(self, user_id: int) -> list[Attachment]:
        with self.lock:
            return [a for a in self._attachments.values() if a.user_id == user_id][::-1]

    def attachment(self, user_id: int, attachment_id: str) -> Attachment | None:
        with self.lock:
            a = self._attachments.get(attachment_id)
        return a if a is not None and a.user_id == user_id else None

    # -- mail (nothing is sent: the message is kept here and logged)
    def send_mail(self, to: str, subject: str, body: str) -> Mail:
        mail = Mail(to, subject, body)
        with self.lock:
            self.outbox.append(mail)
            del self.outbox[:-MAX_OUTBOX]
        return mail
