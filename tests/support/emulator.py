"""The API emulator's small test world (tests/emulator/world_basic.yaml), its credentials, and SDK configs
for an emulator: what the emulator tests and the client tests share."""

from __future__ import annotations

from typing import Optional

from alibabacloud_tea_openapi.utils_models import Config

from dwdiag_emulator import Emulator
from tests.support.paths import ROOT

WORLD = ROOT / "tests" / "emulator" / "world_basic.yaml"
AK, SECRET = "AKIDtest", "secretTest"
HOME = "cn-shanghai"
PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts")


def make_config(emu: Emulator, region: Optional[str] = None, ak: str = AK, secret: str = SECRET,
                token: Optional[str] = None) -> Config:
    return Config(access_key_id=ak, access_key_secret=secret, security_token=token,
                  endpoint=emu.endpoint(region), protocol="http", region_id=region or "cn-shanghai",
                  read_timeout=5000, connect_timeout=2000)
