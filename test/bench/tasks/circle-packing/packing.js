// Circle packing benchmark: place 26 circles in the unit square, maximising the sum of radii.
// packCircles() is the function Genesis evolves. It returns 26 [x, y, r] triples; the evaluator
// rejects any packing with overlaps, circles outside the square or non-finite numbers.

// The evaluator calls it by name, so nothing here uses it.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
function packCircles() {
  // Five rows of circles; the last row takes what is left of 26.
  const counts = [5, 5, 5, 5];
  counts.push(26 - counts.reduce((sum, count) => sum + count));
  // Per row: height, first and last x, and a tilt (height change per unit of x).
  const rows = [
    [0.1, 0.1, 0.9, 0.0],
    [0.3, 0.2, 0.8, 0.0],
    [0.5, 0.1, 0.9, 0.0],
    [0.7, 0.2, 0.8, 0.0],
    [0.9, 0.1, 0.9, 0.0],
  ];
  const centers = [];
  rows.forEach(([height, first, last, tilt], row) => {
    const count = counts[row];
    for (let i = 0; i < count; i++) {
      const x = count === 1 ? (first + last) / 2 : first + ((last - first) * i) / (count - 1);
      centers.push([x, height + tilt * (x - 0.5)]);
    }
  });
  // Radii: as large as the walls allow, then every overlapping pair shrunk in proportion,
  // then each circle grown into whatever room its neighbours left.
  const wall = ([x, y]) => Math.min(x, y, 1 - x, 1 - y);
  const distance = ([ax, ay], [bx, by]) => Math.hypot(ax - bx, ay - by);
  const radii = centers.map(wall);
  for (let i = 0; i < centers.length; i++) {
    for (let j = i + 1; j < centers.length; j++) {
      const d = distance(centers[i], centers[j]);
      if (radii[i] + radii[j] > d) {
        const scale = d / (radii[i] + radii[j]);
        radii[i] *= scale;
        radii[j] *= scale;
      }
    }
  }
  centers.forEach((center, i) => {
    let room = wall(center);
    centers.forEach((other, j) => {
      if (j !== i) room = Math.min(room, distance(center, other) - radii[j]);
    });
    radii[i] = Math.max(room, 0);
  });
  return centers.map(([x, y], i) => [x, y, radii[i]]);
}
