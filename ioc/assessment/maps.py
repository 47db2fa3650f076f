"""Coverage map images (PNG): an area, its sites' view-sheds and the blind spots. Labels are
bilingual when a font with Chinese glyphs is installed, English otherwise (matplotlib would
draw boxes and warn once per glyph).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from ioc.assessment.geometry import AreaProjection, Site, site_polygons_m, union

# --------------------------------------------------------------------------- map image

# Families that carry Chinese glyphs; the first installed one labels maps bilingually.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    return plt


def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _CJK_FAMILIES if f in names), None)


def _label(zh: str, en: str, bilingual: bool) -> str:
    return f"{zh} {en}" if bilingual else en


def _strip_cjk(text: str) -> str:
    """Without a CJK font Chinese would render as boxes with a warning per glyph: drop it."""
    out = _CJK.sub("", text)
    out = re.sub(r"\(\s*\)|（\s*）|\[\s*\]", "", out)
    return re.sub(r"\s{2,}", " ", out).strip(" -—:·")


def save_coverage_map(
    path: str | Path,
    area: BaseGeometry,
    sites: Sequence[Site],
    radius_m: float | None = None,
    blind_spots: BaseGeometry | None = None,
    title: str = "Coverage",
    projection: AreaProjection | None = None,
) -> Path:
    """A PNG map (Agg, no display): the area, each site's view-shed, blind spots, in km on
    the equal-area projection. Labels are Chinese + English when a CJK font is installed,
    English otherwise (Chinese characters in `title` are then dropped).

    `sites` may be `Site`s or (lon, lat) pairs with `radius_m` given. Needs matplotlib.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    plt = pyplot()

    site_list = [
        s if isinstance(s, Site) else Site(float(s[0]), float(s[1]), _need_radius(radius_m))
        for s in sites
    ]
    proj = projection or AreaProjection.for_geometry(area)
    family = cjk_font()
    bilingual = family is not None
    if not bilingual:
        title = _strip_cjk(title) or "Coverage"

    def patch(geom: BaseGeometry, **kw: Any) -> None:
        for poly_any in getattr(geom, "geoms", [geom]):
            if poly_any.is_empty or poly_any.geom_type != "Polygon":
                continue
            poly = orient(poly_any, 1.0)
            verts: list[Any] = []
            codes: list[int] = []
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords) / 1000.0
                verts += [*xy.tolist()]
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), **kw))
            kw.pop("label", None)  # one legend entry per layer, not per part

    rc = {"font.family": [family, "DejaVu Sans"]} if family else {}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
        area_m = shapely.make_valid(proj.to_m(area))
        patch(
            area_m,
            facecolor="#f2f2f2",
            edgecolor="#333333",
            linewidth=1.2,
            label=_label("区域", "area", bilingual),
        )
        polys = site_polygons_m(site_list, proj)
        union_m = union(polys)
        patch(
            union_m.intersection(area_m),
            facecolor="#7fb3d5",
            alpha=0.55,
            edgecolor="none",
            label=_label("覆盖", "covered", bilingual),
        )
        for poly in polys:
            patch(poly, facecolor="none", edgecolor="#2e86c1", linewidth=0.4, alpha=0.6)
        blind_m = proj.to_m(blind_spots) if blind_spots is not None else area_m.difference(union_m)
        if not blind_m.is_empty:
            patch(
                blind_m,
                facecolor="#e74c3c",
                alpha=0.75,
                edgecolor="none",
                label=_label("盲区", "blind spots", bilingual),
            )
        if site_list:
            x, y = proj.xy([s.lon for s in site_list], [s.lat for s in site_list])
            ax.plot(
                x / 1000,
                y / 1000,
                "k^",
                markersize=3,
                label=_label("站点", "sites", bilingual) + f" ({len(site_list)})",
            )
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.set_xlabel(_label("东向", "east", bilingual) + " (km)")
        ax.set_ylabel(_label("北向", "north", bilingual) + " (km)")
        ax.set_title(title)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, fontsize=8, frameon=False
        )
        ax.grid(True, linewidth=0.3)
        out = Path(path)
        fig.savefig(out, format="png", bbox_inches="tight")
        plt.close(fig)
    return out


def _need_radius(radius_m: float | None) -> float:
    if radius_m is None:
        raise ValueError("sites given as (lon, lat) need radius_m")
    return radius_m
