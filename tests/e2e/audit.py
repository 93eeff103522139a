"""Checks run on every page of an end-to-end flow: no console error, no serious or critical
accessibility violation (axe-core, vendored from the npm registry), a page weight under the
budget, and a screenshot for a person to look at.

axe-core runs through Playwright's `evaluate`, which the page's Content-Security-Policy does
not govern, so the policy under test stays the production one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Everything a page loads, evidence files aside (docs/pages.md, Weight and safety).
PAGE_WEIGHT_BUDGET = 300 * 1024
SERIOUS = {"serious", "critical"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
      return `${v.impact} ${v.id}: ${v.help} — ${where}`;
    });
}"""

# Bytes of the document and of every resource it loaded, as decoded (uncompressed).
PAGE_BYTES = """() => {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ];
  return entries.reduce((sum, entry) => sum + (entry.decodedBodySize || 0), 0);
}"""


@dataclass
class FlowAudit:
    """Attach to a page before the flow starts; call `look(page, name)` on every page."""

    folder: Path
    console_errors: list[str] = field(default_factory=list)
    accessibility: dict[str, list[str]] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    shots: int = 0

    def attach(self, page) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.console_errors.append(f"{page.url}: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))

    def look(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        self.shots += 1
        page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)
        self.weights[name] = page.evaluate(PAGE_BYTES)
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        found = page.evaluate(RUN_AXE)
        if found:
            self.accessibility[name] = found

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.accessibility == {}
        too_heavy = {name: size for name, size in self.weights.items() if size > PAGE_WEIGHT_BUDGET}
        assert too_heavy == {}
