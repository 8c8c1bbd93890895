"""A Python client generated from Baton's OpenAPI document (openapi-python-client),
used as an integrator would: sign in, write a note with POST /v1/mutations, and
read it back on a page of the change feed (as one history item). Every value is one of the client's
named types; anything else is a failure.

Usage: python_client.py BASE_URL USERNAME PASSWORD CUSTOMER_ID
(the generated package `baton_client` on PYTHONPATH)."""

import json
import sys
import uuid

from baton_client import AuthenticatedClient, Client
from baton_client.api.auth import login
from baton_client.api.mutations import mutate
from baton_client.api.sync import changes
from baton_client.models import (
    ChangeHistoryItem,
    ChangesPage,
    IntentAddNote,
    IntentAddNoteType,
    LoginRequest,
    LoginResponse,
    MutationRequest,
    MutationResultApplied,
)


def main() -> None:
    base, username, password, customer = sys.argv[1:5]
    session = login.sync(client=Client(base_url=base), body=LoginRequest(username=username, password=password))
    assert isinstance(session, LoginResponse), f"sign-in answered {session!r}"
    client = AuthenticatedClient(base_url=base, token=session.token)

    first = changes.sync(client=client, after=0)
    assert isinstance(first, ChangesPage), f"the feed answered {first!r}"
    cursor = first.cursor
    while first.has_more:
        first = changes.sync(client=client, after=cursor, epoch=first.epoch)
        assert isinstance(first, ChangesPage), f"the feed answered {first!r}"
        cursor = first.cursor

    note_id = f"note-{uuid.uuid4().hex}"
    text = f"Written by a generated Python client ({note_id})"
    intent = IntentAddNote(type_=IntentAddNoteType.ADD_NOTE, customer_id=customer, note_id=note_id, text=text)
    result = mutate.sync(client=client, body=MutationRequest(id=uuid.uuid4(), intent=intent))
    assert isinstance(result, MutationResultApplied), f"the write answered {result!r}"
    assert result.seq > cursor, f"applied at {result.seq}, not after {cursor}"

    page = changes.sync(client=client, after=cursor, epoch=first.epoch)
    assert isinstance(page, ChangesPage), f"the feed answered {page!r}"
    # The note travels as one history item of the customer (protocol 2).
    items = [c for c in page.changes if isinstance(c, ChangeHistoryItem) and c.customer_id == customer]
    carrying = [c for c in items if text in json.dumps(c.to_dict())]
    assert carrying, f"no change after {cursor} carries the note: {[c.to_dict() for c in page.changes]}"
    print(f"python client: note applied at seq {result.seq}, read back in a page of {len(page.changes)} changes")


if __name__ == "__main__":
    main()
