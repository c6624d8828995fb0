"""One campaign per library module; ALL lists them in the order scripts/differential runs them."""
from . import content_type, cookie, escape, multipart, serializer, session, signing, terminal, url, urlencoded, csrf

ALL = [multipart.Campaign, urlencoded.Campaign, content_type.Campaign, signing.Campaign, serializer.Campaign, session.Campaign,
       csrf.Campaign, escape.Campaign, url.Campaign, terminal.Campaign, cookie.Campaign]
