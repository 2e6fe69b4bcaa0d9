"""Create the ``editors`` group: people who review and correct what the machine extracted.

Editors can view, add and change statements and the actors, roles and events they refer
to, and remove the small rows an edit replaces (a wrong target, alias, identifier or event
participant). They can only view documents and mentions: documents are the evidence and
cannot be deleted or rewritten by an editor. They get no permission on users or groups.

Permissions are normally created by a post_migrate signal, after all migrations ran; on a
fresh database they would not exist yet, so this migration creates them first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "editors"

EDIT = ("view", "add", "change")
EDIT_AND_REMOVE = ("view", "add", "change", "delete")
GROUP_PERMISSIONS = {
    "statement": EDIT,
    "statementtarget": EDIT_AND_REMOVE,
    "person": EDIT,
    "organisation": EDIT,
    "othername": EDIT_AND_REMOVE,
    "identifier": EDIT_AND_REMOVE,
    "membership": EDIT,
    "event": EDIT,
    "eventparticipant": EDIT_AND_REMOVE,
    "document": ("view",),
    "mention": ("view",),
}


def editors_group_create(apps, schema_editor):
    app_config = apps.get_app_config("statements")
    # create_permissions skips apps without a models module; the migration state's app
    # config has none, so flag it for the call (and restore it: tests call this function
    # with the real app registry to recreate the group after a flush).
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    codenames = [
        f"{action}_{model}" for model, actions in GROUP_PERMISSIONS.items() for action in actions
    ]
    permissions = list(
        Permission.objects.filter(content_type__app_label="statements", codename__in=codenames)
    )
    missing = set(codenames) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"Permissions missing for the editors group: {sorted(missing)}")
    group.permissions.add(*permissions)


def editors_group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("statements", "0002_statement_search_index"),
    ]

    operations = [migrations.RunPython(editors_group_create, editors_group_delete)]
