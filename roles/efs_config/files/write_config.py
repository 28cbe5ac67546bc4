# Runs in the init container (python3 -c): writes config.yaml onto the EFS access point, then exits 0.
# The content travels base64-encoded in LITELLM_CONFIG_B64 and is checked against LITELLM_CONFIG_SHA256;
# the file is written under a temporary name and renamed, so a reader never sees half a file.
import base64
import hashlib
import os
import pathlib
import sys

data = base64.b64decode(os.environ["LITELLM_CONFIG_B64"], validate=True)
if hashlib.sha256(data).hexdigest() != os.environ["LITELLM_CONFIG_SHA256"]:
    sys.exit("config.yaml content does not match LITELLM_CONFIG_SHA256: refusing to write it")
target = pathlib.Path(os.environ["LITELLM_CONFIG_DIR"]) / os.environ["LITELLM_CONFIG_FILE"]
if not target.exists() or target.read_bytes() != data:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
print(f"config.yaml ready: {target} ({len(data)} bytes, sha256 {os.environ['LITELLM_CONFIG_SHA256']})")
