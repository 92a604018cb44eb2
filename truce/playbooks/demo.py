"""What `truce demo` seeds for playbooks: called after the demo agreement."""


def install_demo_playbooks() -> None:
    return None
