// A bar chart of daily counts, drawn as SVG: one bar per day, each carrying its date and count
// in data attributes and a tooltip, with the largest count and the first and last day labelled.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 36;
const BOTTOM = 24;
const TOP = 12;

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

export function drawBars(figure, dates, counts, label) {
  const highest = Math.max(1, ...counts);
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, counts.length);
  const svg = element("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "xMinYMid meet",
    role: "img",
    "aria-label": label,
  });

  svg.append(
    element("line", { x1: LEFT, x2: WIDTH, y1: TOP + plotHeight, y2: TOP + plotHeight }),
    element("text", { x: LEFT - 6, y: TOP + 8, "text-anchor": "end" }, String(highest)),
    element("text", { x: LEFT - 6, y: TOP + plotHeight, "text-anchor": "end" }, "0"),
  );
  counts.forEach((count, index) => {
    const height = (count / highest) * plotHeight;
    const bar = element("rect", {
      class: "bar",
      x: LEFT + index * slot + slot * 0.15,
      y: TOP + plotHeight - height,
      width: Math.max(1, slot * 0.7),
      height,
      "data-date": dates[index],
      "data-count": count,
    });
    bar.append(element("title", {}, `${dates[index]}: ${count}`));
    svg.append(bar);
  });
  if (dates.length) {
    const baseline = HEIGHT - 6;
    svg.append(
      element("text", { x: LEFT, y: baseline }, dates[0]),
      element("text", { x: WIDTH, y: baseline, "text-anchor": "end" }, dates[dates.length - 1]),
    );
  }
  figure.replaceChildren(svg);
}
