"""Fidelity patches for moto: the one place where the emulator is made to behave like AWS.

Each patch is as small as it can be, cites the AWS behaviour it restores, and is covered by a test in
``tests/unit/tools/test_localaws_patches.py``. ``apply_all()`` is called by ``localaws.server`` before
moto serves its first request. Add a patch only when a module of this collection hits the gap.
"""

from __future__ import annotations


def iam_service_linked_role_names() -> None:
    """Name service-linked roles the way IAM does.

    AWS: ``CreateServiceLinkedRole`` for ``ecs.amazonaws.com`` creates ``AWSServiceRoleForECS`` under
    the path ``/aws-service-role/ecs.amazonaws.com/`` ("Using service-linked roles for Amazon ECS",
    Amazon ECS Developer Guide). moto 5.2.5 keeps the lower-case service prefix and creates
    ``AWSServiceRoleForecs``; its name table knows only a few services, so the ECS entry is added.
    """
    from moto.iam import models

    models.SERVICE_NAME_CONVERSION.setdefault("ecs", "ECS")


PATCHES = (iam_service_linked_role_names,)


def apply_all() -> list[str]:
    """Apply every patch once; return their names."""
    for patch in PATCHES:
        patch()
    return [patch.__name__ for patch in PATCHES]
