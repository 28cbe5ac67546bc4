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


def efs_legacy_tag_calls() -> None:
    """Serve EFS's original tag API: DescribeTags, CreateTags and DeleteTags.

    AWS: these three operations (``GET /2015-02-01/tags/{FileSystemId}/``, ``POST .../create-tags/...``,
    ``POST .../delete-tags/...``) are deprecated in favour of ListTagsForResource/TagResource/
    UntagResource but still served (Amazon EFS API reference), and community.aws ``efs``/``efs_info``
    call them. moto 5.2.5 implements only the newer calls, so the module fails with 404 after the file
    system was created. The legacy calls are answered from the same tag store as the new ones.
    """
    import json

    from moto.efs import urls
    from moto.efs.responses import EFSResponse

    json_headers = {"Content-Type": "application/json"}

    def describe_tags(self):
        tags = self.efs_backend.list_tags_for_resource(self._get_param("FileSystemId"))
        return json.dumps({"Tags": tags}), json_headers

    def create_tags(self):
        tags = {tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags") or []}
        self.efs_backend.tag_resource(self._get_param("FileSystemId"), tags)
        return 204, json_headers, ""

    def delete_tags(self):
        self.efs_backend.untag_resource(self._get_param("FileSystemId"), self._get_param("TagKeys") or [])
        return 204, json_headers, ""

    for path in ("/2015-02-01/tags/<file_system_id>/", "/2015-02-01/create-tags/<file_system_id>",
                 "/2015-02-01/delete-tags/<file_system_id>"):
        urls.url_paths[path] = urls.response.dispatch
    EFSResponse.describe_tags = describe_tags
    EFSResponse.create_tags = create_tags
    EFSResponse.delete_tags = delete_tags


PATCHES = (iam_service_linked_role_names, efs_legacy_tag_calls)


def apply_all() -> list[str]:
    """Apply every patch once; return their names."""
    for patch in PATCHES:
        patch()
    return [patch.__name__ for patch in PATCHES]
