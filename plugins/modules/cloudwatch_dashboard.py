#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the llmops.litellm_ecs collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Manage a CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon CloudWatch dashboard.
  - The dashboard body is compared with the stored one as parsed JSON, so a body that differs only in key
    order or whitespace is left alone, and any changed widget is written with one C(PutDashboard) call.
  - The body is validated (a JSON object with a C(widgets) list of objects) before any AWS call.
  - CloudWatch dashboards are global; the region only selects the API endpoint.
notes:
  - Tags are not managed. CloudWatch can tag dashboards, but the local AWS emulator this collection is tested
    against (moto 5.2.5) can tag only alarms, so tag support could not be tested.
author:
  - llmops maintainers (!UNKNOWN)
options:
  name:
    description:
      - The dashboard's name, 1 to 255 letters, digits, V(-) or V(_).
    type: str
    required: true
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  body:
    description:
      - The dashboard body, as C(PutDashboard)'s C(DashboardBody) describes it, see
        U(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
      - Either a dictionary, sent as compact JSON with sorted keys, or a string holding a JSON object, sent as given.
      - It must be a JSON object with a C(widgets) list whose items are objects.
      - Required when O(state=present); ignored when O(state=absent).
    type: raw
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the dashboard would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: Shows the dashboard body (parsed JSON) before and after.
  idempotent:
    support: full
    description: A dashboard whose body equals the wanted one as JSON is not touched.
"""

EXAMPLES = r"""
- name: A dashboard for the LiteLLM service, the body given as YAML
  llmops.litellm_ecs.cloudwatch_dashboard:
    name: litellm
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: CPU and memory
            region: us-east-1
            stat: Average
            period: 300
            metrics:
              - [AWS/ECS, CPUUtilization, ClusterName, litellm, ServiceName, litellm]
              - [AWS/ECS, MemoryUtilization, ClusterName, litellm, ServiceName, litellm]

- name: A dashboard whose body is kept in a JSON file
  llmops.litellm_ecs.cloudwatch_dashboard:
    name: litellm-alb
    body: "{{ lookup('ansible.builtin.file', 'dashboards/alb.json') }}"

- name: No dashboard
  llmops.litellm_ecs.cloudwatch_dashboard:
    name: litellm
    state: absent
"""

RETURN = r"""
dashboard:
  description:
    - The dashboard after the run (in check mode, as it is now); empty when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: The dashboard's name.
      type: str
      returned: when the dashboard exists
      sample: litellm
    arn:
      description: The dashboard's ARN.
      type: str
      returned: when the dashboard exists
      sample: arn:aws:cloudwatch::123456789012:dashboard/litellm
    body:
      description: The stored dashboard body, parsed.
      type: dict
      returned: when the dashboard exists
      sample: {widgets: [{type: text, x: 0, y: 0, width: 24, height: 2, properties: {markdown: Managed by Ansible}}]}
validation_messages:
  description:
    - The warnings C(PutDashboard) returned (each also reported as a warning); empty when the body was not
      written. When CloudWatch rejects the body the module fails and returns the errors here.
  returned: always
  type: list
  elements: dict
  contains:
    data_path:
      description: The place in the body the message is about.
      type: str
      returned: always
      sample: /widgets/0/properties/metrics/0
    message:
      description: What CloudWatch found there.
      type: str
      returned: always
      sample: Should NOT have more than 2 items
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.llmops.litellm_ecs.plugins.module_utils import retries
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import DashboardBodyError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import bodies_differ
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import check_name
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import dashboard_output
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import load_existing
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import parse_body
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import rejection
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import serialise_body
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.cloudwatch_dashboard import validation_messages
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AWSErrors
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import AnsibleAWSError
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import fail_json_aws_error
from ansible_collections.llmops.litellm_ecs.plugins.module_utils.errors import is_boto3_error_code

MISSING = ("ResourceNotFound",)


class Dashboard:
    """The calls on one dashboard; ``written`` tells a later failure that the dashboard was already changed."""

    def __init__(self, module, client, name):
        self.module, self.client, self.name = module, client, name
        self.written = False

    @AWSErrors.list_error_handler("read the CloudWatch dashboard {self.name}; check that the credentials allow cloudwatch:GetDashboard",
                                  missing=MISSING)
    def get(self):
        """The GetDashboard answer, or None when there is no such dashboard."""
        return self.client.get_dashboard(DashboardName=self.name)

    @AWSErrors.common_error_handler("put the CloudWatch dashboard {self.name}; check that the credentials allow cloudwatch:PutDashboard")
    def put(self, body_text):
        """Write the body; fail with CloudWatch's validation errors when it rejects it, return its warnings."""
        try:
            response = self.client.put_dashboard(DashboardName=self.name, DashboardBody=body_text)
        except is_boto3_error_code("InvalidParameterInput") as e:
            message, messages = rejection(self.name, e.response)
            raise AnsibleAWSError(message=message, exception=e, validation_messages=messages) from e
        self.written = True
        return validation_messages(response.get("DashboardValidationMessages"))

    @AWSErrors.deletion_error_handler("delete the CloudWatch dashboard {self.name}; check that the credentials allow cloudwatch:DeleteDashboards",
                                      missing=MISSING)
    def delete(self):
        """Delete the dashboard; one deleted by someone else in the meantime is no error."""
        self.client.delete_dashboards(DashboardNames=[self.name])
        self.written = True
        return True

    def ensure(self, present, wanted):
        """The module's result for a dashboard that should (``present``) have the body ``wanted``, or not exist."""
        existing = self.get()
        before = load_existing(existing["DashboardBody"]) if existing else {}
        changed = (existing is None or bodies_differ(before, wanted)) if present else existing is not None
        result = dict(changed=changed, validation_messages=[])
        if self.module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=before, after=wanted)
        if changed and not self.module.check_mode:
            if present:
                result["validation_messages"] = self.put(serialise_body(self.module.params["body"]))
                for item in result["validation_messages"]:
                    self.module.warn(f"CloudWatch accepted dashboard {self.name} with a warning at {item['data_path'] or '(body)'}: {item['message']}")
                existing = self.get()
            else:
                self.delete()
                existing = None
        result["dashboard"] = dashboard_output(existing)
        return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            body=dict(type="raw"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    present = module.params["state"] == "present"
    try:
        check_name(module.params["name"])
        wanted = parse_body(module.params["body"]) if present else {}
    except DashboardBodyError as e:
        module.fail_json(msg=str(e))

    dashboard = Dashboard(module, retries.client(module, "cloudwatch"), module.params["name"])
    try:
        module.exit_json(**dashboard.ensure(present, wanted))
    except AnsibleAWSError as e:
        e.kwargs.setdefault("changed", dashboard.written)
        fail_json_aws_error(module, e)


if __name__ == "__main__":
    main()
