"""The clerk's map pin: a plain drawn map around a centre point (no map tiles, so it works on an intranet),
where a click on the picture becomes a latitude and longitude and back. Coordinates stay in the same
datum as the centre's (GCJ-02 where the points came from AMap); over a few kilometres a flat projection
is off by far less than a check-in radius."""
import math
from dataclasses import dataclass

METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class PinMap:
    """`width` × `height` pixels, the centre point in the middle, `metres_per_px` metres per pixel."""

    latitude: float
    longitude: float
    width: int = 600
    height: int = 400
    metres_per_px: float = 5.0

    def _metres_per_degree_lng(self) -> float:
        return METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(self.latitude)))

    def point_at(self, x: float, y: float) -> tuple[float, float]:
        """The map point under pixel (x, y) (y grows downwards, north is up); pixels outside the picture
        are brought to its edge."""
        x = min(max(float(x), 0.0), float(self.width))
        y = min(max(float(y), 0.0), float(self.height))
        north = (self.height / 2 - y) * self.metres_per_px
        east = (x - self.width / 2) * self.metres_per_px
        return (round(self.latitude + north / METRES_PER_DEGREE_LAT, 6),
                round(self.longitude + east / self._metres_per_degree_lng(), 6))

    def pixel_of(self, latitude: float, longitude: float) -> tuple[float, float]:
        east = (longitude - self.longitude) * self._metres_per_degree_lng()
        north = (latitude - self.latitude) * METRES_PER_DEGREE_LAT
        return (round(self.width / 2 + east / self.metres_per_px, 1),
                round(self.height / 2 - north / self.metres_per_px, 1))

    def shows(self, latitude: float, longitude: float) -> bool:
        x, y = self.pixel_of(latitude, longitude)
        return 0 <= x <= self.width and 0 <= y <= self.height

    def moved(self, latitude: float, longitude: float, *, north_m: float = 0.0, east_m: float = 0.0
              ) -> tuple[float, float]:
        """A point `north_m` metres north and `east_m` east of the given one (the arrow buttons)."""
        return (round(latitude + north_m / METRES_PER_DEGREE_LAT, 6),
                round(longitude + east_m / self._metres_per_degree_lng(), 6))

    def grid(self, step_m: int = 250) -> dict[str, list[float]]:
        """Pixel positions of grid lines every `step_m` metres, through the centre."""
        step = step_m / self.metres_per_px
        xs = [self.width / 2 + k * step for k in range(-int(self.width / 2 // step), int(self.width / 2 // step) + 1)]
        ys = [self.height / 2 + k * step for k in range(-int(self.height / 2 // step), int(self.height / 2 // step) + 1)]
        return {"x": [round(v, 1) for v in xs], "y": [round(v, 1) for v in ys]}
