"""What `truce demo` seeds for planning: called after the demo agreement."""


def install_demo_planning() -> None:
    return None
