"""Full backup and restore: a rich database dumped, restored into a new empty database by
`truce import --all` in another process, compared row by row, and its ledger verified there."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from truce.agreements.models import Clock
from truce.agreements.services import clocks
from truce.funnel import services as funnel_services
from truce.funnel.services import qualification
from truce.identity import services as identity_services
from truce.ledger import services as ledger
from truce.ledger.models import Event, Head
from truce.people import services as people_services
from truce.people.models import Contact
from truce.touches import services as touch_services
from truce.touches.models import Campaign
from truce.transfer import backup

T0 = datetime(2026, 5, 4, 8, 15, 30, 654321, tzinfo=UTC)
PAYLOAD = {
    "ratio": 0.1,
    "third": 1 / 3,
    "big": 1e16,
    "tiny": 5e-324,
    "negative_zero": -0.0,
    "amount": Decimal("1234.50"),
    "text": 'Zürich – 東京 🚀 "quoted" \\ back\u2028next\ttab',
    "nested": {"list": [1.5, 2, None, True, "é"], "empty": {}},
    "huge_int": 2**62,
}


def truce(*args, database_url, data_dir, check=True):
    """Run the `truce` command in its own process against another database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "truce.settings",
        "TRUCE_DEBUG": "true",
        "TRUCE_DATA_DIR": str(data_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "truce.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def empty_database(tmp_path):
    """A second database of the same kind as the test database, migrated and otherwise empty."""
    if connection.vendor == "postgresql":
        import psycopg

        name = f"truce_restore_{uuid.uuid4().hex[:12]}"
        settings = connection.settings_dict
        server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    truce("migrate", "--noinput", database_url=url, data_dir=tmp_path)
    yield url
    if connection.vendor == "postgresql":
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def rich_data(make_agreement, make_lead, make_contact, make_company, make_campaign, rep, owners):
    """Leads in several stages and outcomes, touches, a campaign, a signed agreement with
    clocks, a signed sales-ready definition, a merge, and events with awkward payloads."""
    marketing, sales = owners
    make_agreement()
    definition = qualification.propose_definition(rule="fit_score >= 40", actor=marketing)
    qualification.sign_definition(version=definition.version, actor=marketing)
    qualification.sign_definition(version=definition.version, actor=sales)
    acme = make_company(name="Acme Corp", domain="acme.example", employees=250)
    campaign = make_campaign(name="Webinar ✓", budget=Decimal("1200.50"), channel="webinar")
    ada = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=acme
    )
    leads = {
        key: make_lead(
            key,
            source="webinar",
            campaign=campaign,
            created_at=T0,
            owner=rep,
            amount=Decimal("0.10"),
        )
        for key in ("lead", "mql", "sal", "presenting")
    }
    leads["ada"] = make_lead("mql", contact=ada, facts={"employees": 250, "ratio": 0.25})
    clocks.on_owner_changed(lead=leads["ada"], owner=rep, at=T0)
    touch_services.record_touch(
        lead=leads["ada"], kind="call", actor=rep, occurred_at=T0 + timedelta(minutes=3)
    )
    funnel_services.set_outcome(
        lead=leads["presenting"], outcome="won", amount=Decimal("9999.99"), actor=rep
    )
    funnel_services.set_outcome(lead=leads["sal"], outcome="lost", reason="price", actor=rep)
    twin = make_contact(email="ada.lovelace@acme.example", first_name="Augusta")
    people_services.merge_contacts(survivor=ada, duplicate=twin, actor=sales)
    identity_services.create_api_token(user=rep, name="integration")
    with transaction.atomic():
        ledger.append(
            kind="test.awkward",
            subject_type="lead",
            subject_id=leads["ada"].pk,
            lead_id=leads["ada"].pk,
            payload=PAYLOAD,
            occurred_at=T0,
        )
    assert Clock.objects.count() >= 5
    return leads


def backed_up_rows(model):
    names = [f.attname for f in model._meta.concrete_fields]
    return list(model._base_manager.order_by("pk").values_list(*names))


def file_rows(model, path):
    fields = model._meta.concrete_fields
    rows = []
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:  # not splitlines: U+2028
        item = json.loads(line)
        rows.append(tuple(backup.decode(f, item[f.attname]) for f in fields))
    return rows


def rewrite(directory, name, change):
    """Change a backup file and put its new checksum and row count in the manifest."""
    path = directory / name
    path.write_bytes(change(path.read_bytes()))
    manifest = json.loads((directory / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["file"] == name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["rows"] = len(path.read_bytes().splitlines())
    (directory / "manifest.json").write_text(json.dumps(manifest))


def bad_copy(source, target, change):
    shutil.copytree(source, target)
    change(target)
    return target


def test_a_backup_restores_exactly_into_an_empty_database(rich_data, empty_database, tmp_path):
    # given a rich database, backed up
    source = tmp_path / "backup"
    manifest = backup.dump_all(source)
    models = backup.backup_models()
    events, head = Event.objects.count(), Head.objects.get(pk=1)
    assert {e["model"]: e["rows"] for e in manifest["files"]}["ledger.event"] == events
    env = {"database_url": empty_database, "data_dir": tmp_path}

    # bad backups are refused, each with its reason, and leave the database empty
    refused = {
        "tampered": (
            lambda d: (d / "ledger.event.jsonl").write_bytes(
                (d / "ledger.event.jsonl").read_bytes().replace("Zürich".encode(), b"Zurich")
            ),
            "ledger.event.jsonl does not match its checksum: it was changed or damaged.",
        ),
        "missing": (
            lambda d: (d / "people.contact.jsonl").unlink(),
            "people.contact.jsonl is missing from the backup.",
        ),
        "migrations": (
            lambda d: (d / "manifest.json").write_text(
                (d / "manifest.json").read_text().replace('"0001_initial"', '"0001_other"', 1)
            ),
            "The database's migrations do not match the backup's:",
        ),
        "no_manifest": (
            lambda d: (d / "manifest.json").unlink(),
            "is missing: ",
        ),
        "refused_by_the_database": (  # a duplicate primary key, half-way through the load
            lambda d: rewrite(
                d, "people.contact.jsonl", lambda data: data + data.splitlines(True)[0]
            ),
            "nothing was restored.",
        ),
    }
    for name, (change, _) in refused.items():
        bad_copy(source, tmp_path / name, change)
    # One process tries them all (the CLI's own refusal is checked below), then counts rows.
    script = (
        "import json\n"
        "from truce.transfer import backup\n"
        "from truce.identity.models import User\n"
        "from truce.ledger.models import Event\n"
        "from truce.people.models import Contact\n"
        "from truce.funnel.models import Lead\n"
        "errors = {}\n"
        f"for name in {list(refused)!r}:\n"
        "    try:\n"
        f"        backup.restore_all({str(tmp_path)!r} + '/' + name)\n"
        "    except backup.BackupError as error:\n"
        "        errors[name] = str(error)\n"
        "counts = [m.objects.count() for m in (User, Event, Contact, Lead)]\n"
        "print(json.dumps({'errors': errors, 'counts': counts}))\n"
    )
    result = json.loads(truce("shell", "-c", script, **env).stdout.splitlines()[-1])
    for name, (_, message) in refused.items():
        assert message in result["errors"][name], (name, result["errors"])
    assert result["counts"] == [0, 0, 0, 0]

    # when the good backup is restored in another process
    done = truce("import", "--all", str(source), **env)
    total = sum(e["rows"] for e in manifest["files"])
    assert done.stdout == f"Restored {total} rows of {len(models)} tables.\n"

    # then its ledger verifies there, to the same head
    verified = truce("ledger", "verify", **env)
    assert verified.stdout == f"OK: {events} events verified; head {head.hash}\n"

    # and every table of the copy holds the same rows, value for value and byte for byte
    copy = tmp_path / "copy"
    truce("export", "--all", str(copy), **env)
    copied = json.loads((copy / "manifest.json").read_text())
    assert copied["migrations"] == manifest["migrations"]
    assert [(e["model"], e["rows"], e["sha256"]) for e in copied["files"]] == [
        (e["model"], e["rows"], e["sha256"]) for e in manifest["files"]
    ]
    for model in models:
        name = f"{model._meta.label_lower}.jsonl"
        assert file_rows(model, copy / name) == backed_up_rows(model), name
        assert (copy / name).read_bytes() == (source / name).read_bytes(), name
    awkward = json.loads((copy / "ledger.event.jsonl").read_text().split("\n")[-2])
    assert awkward["payload"] == {**json.loads(json.dumps(PAYLOAD, default=str)), "big": 10**16}
    assert awkward["occurred_at"] == "2026-05-04T08:15:30.654321+00:00"

    # and a second restore into the now full copy is refused
    again = truce("import", "--all", str(source), check=False, **env)
    assert again.returncode == 1
    assert "The database is not empty (it has" in again.stderr

    # and new records in the copy get fresh ids, after the restored ones
    script = (
        "from truce.people import services as s; "
        "c, _ = s.create_contact(actor=None, email='new@example.com'); print(c.pk)"
    )
    new_id = int(truce("shell", "-c", script, **env).stdout.splitlines()[-1])
    assert new_id == Contact.objects.order_by("-pk").first().pk + 1
    verified = truce("ledger", "verify", **env)
    assert verified.stdout.startswith(f"OK: {events + 1} events verified; head ")


def test_restore_refuses_a_database_with_data_and_changes_nothing(rich_data, tmp_path):
    backup.dump_all(tmp_path / "backup")
    users, events = get_user_model().objects.count(), Event.objects.count()
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_all(tmp_path / "backup")
    assert str(refused.value) == (
        f"The database is not empty (it has {users} user(s)): restore only into a new, "
        "migrated database."
    )
    assert (get_user_model().objects.count(), Event.objects.count()) == (users, events)


def test_restore_refuses_another_format_version(rich_data, tmp_path):
    backup.dump_all(tmp_path / "backup")
    path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "format_version": 2}))
    with pytest.raises(backup.BackupError, match="format version 2; this Truce reads version 1"):
        backup.restore_all(tmp_path / "backup")


@pytest.mark.parametrize(
    "text", ['{"format": "truce-backup", "files": [1]}', "[]", '{"format": "x"}', "{not json"]
)
def test_restore_refuses_a_manifest_that_is_not_one(db, tmp_path, text):
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_all(tmp_path)
    assert str(refused.value).startswith(f"{tmp_path / 'manifest.json'} is not")


def test_restore_refuses_a_file_with_other_columns(rich_data, tmp_path):
    backup.dump_all(tmp_path / "backup")
    path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0]["columns"] = manifest["files"][0]["columns"][:-1]
    path.write_text(json.dumps(manifest))
    model = manifest["files"][0]["model"]
    with pytest.raises(backup.BackupError, match=f"The columns of {model} in the backup"):
        backup.restore_all(tmp_path / "backup")


def test_a_backup_goes_only_into_an_empty_directory(db, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(backup.BackupError, match="is not an empty directory"):
        backup.dump_all(tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]


def test_every_truce_table_is_backed_up_in_foreign_key_order():
    models = backup.backup_models()
    labels = [m._meta.label_lower for m in models]
    truce_models = [
        m._meta.label_lower
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_config.name.startswith("truce.")
        and m._meta.label_lower != "runtime.periodicrun"
    ]
    assert set(truce_models) <= set(labels)
    assert {"auth.group", "auth.permission", "contenttypes.contenttype", "admin.logentry"} <= set(
        labels
    )
    assert not {
        "sessions.session",
        "django_tasks_database.dbtaskresult",
        "runtime.periodicrun",
    } & set(labels)
    for position, model in enumerate(models):
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target is not model and target in models:
                if model in backup._targets(target, models):
                    continue  # two models pointing at each other: one of them must come first
                assert models.index(target) < position, (model, field.name)


@pytest.mark.parametrize(
    ("field_name", "value", "encoded"),
    [
        (
            "occurred_at",
            datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            "2026-01-02T03:04:05.000006+00:00",
        ),
        (
            "occurred_at",
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "2026-01-02T03:04:05.000000+00:00",
        ),
        ("payload", {"x": 0.1, "y": [1e300, -2]}, {"x": 0.1, "y": [1e300, -2]}),
        ("imported", True, True),
        ("actor", None, None),
    ],
)
def test_event_values_encode_and_decode_exactly(field_name, value, encoded):
    field = Event._meta.get_field(field_name)
    assert backup.encode(field, value) == encoded
    assert json.loads(json.dumps(backup.encode(field, value))) == encoded
    assert backup.decode(field, encoded) == value


def test_decimals_keep_their_places():
    field = Campaign._meta.get_field("budget")
    assert backup.encode(field, Decimal("10.50")) == "10.50"
    decoded = backup.decode(field, "10.50")
    assert (decoded, str(decoded)) == (Decimal("10.50"), "10.50")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give KIND and FILE (or --all DIR); see truce import --help."),
        (
            ("leads", "leads.csv", "--all", "backup"),
            "Give either --all DIR or KIND FILE, not both.",
        ),
    ],
)
def test_the_import_command_takes_a_file_or_a_backup(db, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("import", *args)
    assert str(refused.value) == message


def test_export_all_refuses_a_kind_or_filters(db, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("export", "leads", "--all", str(tmp_path / "b"))
    assert str(refused.value) == "--all DIR takes no KIND and no filters."
    assert not (tmp_path / "b").exists()


def test_export_all_prints_what_it_wrote(rich_data, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("export", "--all", str(tmp_path / "b"), stdout=out, stderr=err)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    total = sum(e["rows"] for e in manifest["files"])
    assert (
        out.getvalue()
        == f"Backed up {total} rows of {len(manifest['files'])} tables to {tmp_path / 'b'}.\n"
    )
    assert f"ledger.event: {Event.objects.count()} rows\n" in err.getvalue()
    assert manifest["format"] == "truce-backup"
    assert manifest["truce_version"] == "0.1.0"
    assert manifest["database"] == connection.vendor
    assert sorted(Path(tmp_path / "b").iterdir())[0].name.endswith(".jsonl")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_is_one_moment_while_others_write(tmp_path):
    """An event appended by another connection during the backup is not half in it."""
    with transaction.atomic():
        for n in range(3):
            ledger.append(kind="before", subject_type="thing", subject_id=n)
    errors: list[BaseException] = []

    def write_elsewhere() -> None:
        try:
            with transaction.atomic():
                ledger.append(kind="during", subject_type="thing", subject_id=99)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    dumped: list[str] = []

    def progress(message: str) -> None:
        dumped.append(message.split(":")[0])
        if len(dumped) == 1:  # after the first table, long before the ledger's
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            writer.join()

    manifest = backup.dump_all(tmp_path / "b", progress=progress)
    assert errors == []
    assert dumped.index("ledger.event") > 0
    rows = {e["model"]: e["rows"] for e in manifest["files"]}
    head = json.loads((tmp_path / "b" / "ledger.head.jsonl").read_text())
    assert (rows["ledger.event"], head["seq"]) == (3, 3)
    assert Event.objects.count() == 4
