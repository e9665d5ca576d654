"""Commands of ``svidok`` kept outside ``search_api/cli.py``, attached to its group by ``register``.

They never import ``search_api.cli``: run as ``python -m search_api.cli`` that module is ``__main__``, and
importing it by name would build a second group that nobody runs.
"""
from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Attach these commands to the ``svidok`` group."""
    from . import cases, entities, search

    for command in (entities.entity, entities.reprocess, entities.eval_nlp, search.search, search.reindex,
                    search.index, cases.case, cases.bundle):
        group.add_command(command)
    from . import users

    group.add_command(users.user)
    users.guard(group)  # --as USER, and every command (also those attached after this line) behind the policy
    from . import ops

    group.add_command(ops.backup)
    group.add_command(ops.restore)
    from . import images

    group.add_command(images.images)
    from . import inquiries, keys, registry

    for command in (inquiries.inquiry, keys.keys_group, registry.registry):
        group.add_command(command)
