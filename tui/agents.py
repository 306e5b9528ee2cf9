"""The agent switcher: every agent under the state directory that has a session store."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import anyio
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from openclaw_tui.store.paths import list_agents
from openclaw_tui.tui.target import StoreTarget, target_for_location
from openclaw_tui.widgets.text import visible


async def list_agent_targets(state_dir: Path | None) -> list[StoreTarget]:
    """Agents with a store, found off the event loop (it scans a directory)."""
    if state_dir is None:
        return []
    locations = await anyio.to_thread.run_sync(list_agents, state_dir)
    return [target_for_location(location, state_dir) for location in locations]


class AgentScreen(ModalScreen[StoreTarget | None]):
    """Pick an agent; Enter switches to it, Escape keeps the current one."""

    DEFAULT_CSS = """
    AgentScreen {
        align: center middle;
    }
    AgentScreen > Vertical {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    AgentScreen #agents-title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    AgentScreen OptionList {
        height: auto;
        max-height: 20;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="agents.cancel"),
    ]

    def __init__(self, targets: list[StoreTarget], *, current: StoreTarget | None = None) -> None:
        super().__init__()
        self.targets = targets
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        highlighted = 0
        for index, target in enumerate(self.targets):
            label = Text()
            label.append(visible(target.agent_id or "?"), style="bold")
            label.append(f"  {target.label}  ", style="dim")
            label.append(visible(str(target.path)), style="dim")
            options.append(Option(label, id=str(index)))
            if self.current is not None and target.path == self.current.path:
                highlighted = index
        with Vertical():
            yield Static("Switch agent (Enter picks, Esc cancels)", id="agents-title")
            option_list = OptionList(*options, id="agents-list")
            option_list.highlighted = highlighted
            yield option_list

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.targets[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
