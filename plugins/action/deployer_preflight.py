# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The deployer_preflight module, run in the controller's worker when its task runs on the controller (plugin_utils/direct_execution.py).
from __future__ import annotations

from ansible_collections.llmops.litellm_ecs.plugins.plugin_utils.direct_execution import ActionModule  # noqa: F401  pylint: disable=unused-import
