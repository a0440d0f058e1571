"""World-file validation: a bad world names the bad key and its line."""
from __future__ import annotations

import textwrap

import pytest

from dwdiag_emulator import World, WorldError, load_world

pytestmark = pytest.mark.emulator

GOOD = textwrap.dedent("""\
    default_region: cn-hangzhou
    regions:
      cn-hangzhou:
        dataworks:
          workspaces:
            - Id: 1
              Name: ws
              members:
                - UserId: "2"
                  Roles: [{Code: role_project_dev}]
    """)


def test_good_world_loads():
    world = load_world(GOOD)
    ws = world.regions["cn-hangzhou"].dataworks.workspaces[0]
    assert (ws.Name, ws.members[0].Roles[0].Code) == ("ws", "role_project_dev")
    assert "members" not in ws.wire()  # world structure never reaches the wire


def test_unknown_key_is_named_with_its_line():
    indent = GOOD.split("Name: ws")[0].rsplit("\n", 1)[1]
    bad = GOOD.replace("Name: ws\n", f"Name: ws\n{indent}DevEnviromentEnabled: true\n")
    with pytest.raises(WorldError) as err:
        load_world(bad)
    assert "DevEnviromentEnabled (line 8)" in str(err.value)
    assert "Extra inputs are not permitted" in str(err.value)


def test_wrong_type_and_missing_key_point_at_their_lines():
    bad = GOOD.replace("Id: 1", "Id: one").replace('- UserId: "2"', '- UserName: x')
    with pytest.raises(WorldError) as err:
        load_world(bad)
    text = str(err.value)
    assert "workspaces.0.Id (line 6)" in text
    assert "members.0.UserId (line 9)" in text and "Field required" in text


def test_bad_fault_kind_in_file(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("faults:\n  - actions: [ListProjects]\n    kind: explode\n")
    with pytest.raises(WorldError) as err:
        load_world(path)
    assert "faults.0.kind (line 3)" in str(err.value)


def test_invalid_yaml_is_a_world_error():
    with pytest.raises(WorldError):
        load_world("regions: [unclosed\n")


def test_world_object_passes_through():
    world = World()
    assert load_world(world) is world and world.home_region() == "cn-hangzhou"
