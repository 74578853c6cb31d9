"""The OpenAPI 3.1 document of the API. Enumerations (indicators, levels) come from the artifact's registry.

Every parameter's schema is what :mod:`atlas.web.params` accepts: levels and indicators as enumerations, a year as
four ASCII digits, no empty values; a parameter given twice is a 400 and one the operation does not list is ignored.
"""

from __future__ import annotations

from typing import Any

from atlas.artifact import Artifact, Status
from atlas.artifact.compare import MIN_INHABITANTS, MIN_RESPONDENTS, Verdict
from atlas.artifact.reader import ABOVE_LEVELS
from atlas.codes import LEVELS, Grouping
from atlas.layers.registry import INTERVALS

ERROR = {"$ref": "#/components/responses/Error"}
NOT_MODIFIED = {"$ref": "#/components/responses/NotModified"}
YEAR_PATTERN = "^[0-9]{4}$"
CODE_PATTERN = "^(BU[0-9]{8}|WK[0-9]{6}|SD[0-9]{6}|GM[0-9]{4}|[A-Z]{2}[0-9]{2,4})$"
"""An area's code: a buurt, wijk, stadsdeel or gemeente, or an area above the gemeente (a regio such as RG0001,
Nederland NL01): what :func:`atlas.web.params.area_code` accepts."""
"""A year: four ASCII digits (what :data:`atlas.web.params.YEAR` accepts)."""


def _param(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


TILE_NUMBER_PATTERN = "^(0|[1-9][0-9]{0,8})$"
"""A tile's zoom, column or row: digits without leading zeros (what :data:`atlas.web.params.TILE_NUMBER` accepts)."""


def _tile_paths(layers: list[str]) -> dict[str, Any]:
    """The tiles of the point overlays (:mod:`atlas.artifact.tiles`): their index and one tile."""
    layer = {
        "name": "layer",
        "in": "path",
        "required": True,
        "description": "Naam van een puntenlaag",
        "schema": {"type": "string", "enum": layers},
    }
    numbers = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": text,
            "schema": {"type": "string", "pattern": TILE_NUMBER_PATTERN},
        }
        for name, text in (("z", "Zoomniveau"), ("x", "Kolom van de tegel"), ("y", "Rij van de tegel"))
    ]
    return {
        "/api/overlays/{layer}/tiles.json": {
            "get": {
                "summary": "Welke tegels van een puntenlaag er zijn: hun zoomniveau en per tegel [x, y, aantal punten]",
                "operationId": "tile_index",
                "parameters": [layer],
                "responses": {
                    "200": {
                        "description": "Tegelindex",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TileIndex"}}},
                    },
                    "304": NOT_MODIFIED,
                    "404": ERROR,
                },
            }
        },
        "/api/overlays/{layer}/{z}/{x}/{y}.geojson": {
            "get": {
                "summary": "Eén tegel van een puntenlaag (XYZ-schema, EPSG:4326): één MultiPoint met de punten erin",
                "operationId": "tile",
                "parameters": [layer, *numbers],
                "responses": {
                    "200": {
                        "description": "GeoJSON FeatureCollection",
                        "content": {"application/geo+json": {"schema": {"type": "object"}}},
                    },
                    "304": NOT_MODIFIED,
                    "400": ERROR,
                    "404": ERROR,
                },
            }
        },
    }


def openapi_document(artifact: Artifact) -> dict[str, Any]:
    ids = sorted(artifact.registry.indicators)
    layers = sorted({o.layer for o in artifact.registry.overlays.values() if o.kind != "indicator" and o.layer})
    point_layers = sorted(
        {o.layer for o in artifact.registry.overlays.values() if o.kind == "points" and not o.types and o.layer}
    )
    niveau = _param("niveau", "Gebiedsniveau", {"type": "string", "enum": list(LEVELS)})
    jaar = _param(
        "jaar",
        "Jaar (vier cijfers); standaard het laatste gemeten jaar met cijfers (nooit een prognosejaar). Een jaar "
        "zonder cijfers geeft 404 met de combinaties die er wel zijn",
        {"type": "string", "pattern": YEAR_PATTERN},
    )
    niveau_values = _param(
        "niveau",
        "Gebiedsniveau; standaard het fijnste niveau met cijfers in het gekozen jaar",
        {"type": "string", "enum": list(LEVELS)},
    )
    nullable_number = {"type": ["number", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wijkatlas API",
            "version": "1",
            "description": "Indicatoren, gebieden en cijfers van de wijkatlas. Niet-gepubliceerde waarden zijn null. "
            "Een parameter die twee keer of leeg gegeven wordt geeft 400; onbekende parameters worden genegeerd.",
        },
        "paths": {
            "/api/indicators": {
                "get": {
                    "summary": "Alle indicatoren uit het register, met de jaren waarvoor cijfers zijn",
                    "operationId": "indicators",
                    "responses": {
                        "200": {
                            "description": "Lijst van indicatoren",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}
                                }
                            },
                        },
                        "304": NOT_MODIFIED,
                    },
                }
            },
            "/api/areas": {
                "get": {
                    "summary": "Gebieden van één niveau als GeoJSON (EPSG:4326), vereenvoudigd zonder gaten of overlap",
                    "operationId": "areas",
                    "parameters": [niveau],
                    "responses": {
                        "200": {
                            "description": "GeoJSON FeatureCollection",
                            "content": {
                                "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}
                            },
                        },
                        "304": NOT_MODIFIED,
                        "400": ERROR,
                    },
                }
            },
            "/api/values": {
                "get": {
                    "summary": "Cijfers van één indicator per gebied, voor één niveau en jaar; of van één gebied "
                    "(code), ook een regio of Nederland",
                    "operationId": "values",
                    "parameters": [
                        _param("indicator", "Id van de indicator", {"type": "string", "enum": ids}, required=True),
                        niveau_values,
                        jaar,
                        _param(
                            "code",
                            "Code van één gebied: dan de cijfers van dat gebied van alle jaren (of van 'jaar'). Ook "
                            + (
                                "een gebied boven de gemeente: "
                                + ", ".join(f"{a.code} ({a.naam})" for a in list(artifact.above.values())[:5])
                                + (", …" if len(artifact.above) > 5 else "")
                                if artifact.above
                                else "een regio of Nederland (NL01), als deze atlas ze heeft (deze heeft ze niet)"
                            )
                            + ". Een code die de atlas niet heeft geeft 404",
                            {"type": "string", "pattern": CODE_PATTERN},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Cijfers per gebied",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Values"}}},
                        },
                        "304": NOT_MODIFIED,
                        "400": ERROR,
                        "404": ERROR,
                    },
                }
            },
            "/api/overlays/{layer}": {
                "get": {
                    "summary": "Punt- of vlaklaag uit het register (bomen, parken, voorzieningen), GeoJSON (EPSG:4326)",
                    "operationId": "overlay",
                    "parameters": [
                        {
                            "name": "layer",
                            "in": "path",
                            "required": True,
                            "description": "Naam van de kaartlaag",
                            "schema": {"type": "string", "enum": layers},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "GeoJSON FeatureCollection",
                            "content": {"application/geo+json": {"schema": {"type": "object"}}},
                        },
                        "304": NOT_MODIFIED,
                        "404": ERROR,
                    },
                }
            },
            **_tile_paths(point_layers),
            "/api/openapi.json": {
                "get": {
                    "summary": "Dit document",
                    "operationId": "openapi",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
                        "304": NOT_MODIFIED,
                    },
                }
            },
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "Fout in de vraag",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "NotModified": {"description": "Niet gewijzigd: de ETag van If-None-Match is nog geldig"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "additionalProperties": False,
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "message"],
                            "additionalProperties": False,
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "available": {
                                    "description": "Bij een combinatie zonder cijfers: de combinaties die er wel zijn",
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["niveau", "jaar", "url"],
                                        "properties": {
                                            "niveau": {"type": "string", "enum": list(LEVELS)},
                                            "jaar": {"type": "integer"},
                                            "url": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                "Indicator": {
                    "type": "object",
                    "required": ["id", "title", "unit", "levels", "years"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "hoofddoel": {"type": ["integer", "null"], "minimum": 1, "maximum": 6},
                        "theme": {"type": "string"},
                        "unit": {"type": "string"},
                        "unit_label": {"type": "string", "description": "De eenheid zoals legenda's haar schrijven"},
                        "better": {"type": "string", "enum": ["higher", "lower", "neutral"]},
                        "source": {"type": "string"},
                        "levels": {"type": "array", "items": {"type": "string", "enum": list(LEVELS)}},
                        "aggregate": {"type": "string"},
                        "interval": {
                            "type": "string",
                            "enum": list(INTERVALS),
                            "description": "Hoe het 95%-interval van een waarde wordt bepaald (wilson: "
                            "enquêtepercentage; mean: enquêtegemiddelde met standaardafwijking; poisson: registratie; "
                            "none: geen interval)",
                        },
                        "denominator": {
                            "type": ["string", "null"],
                            "description": "De telling (inwoners, huishoudens) waarvan deze waarde een aantal of "
                            "verhouding is; een aantal wordt als aantal per 1.000 daarvan vergeleken",
                        },
                        "years": {
                            "description": "Jaren met cijfers (gepubliceerd of afgeschermd) op enig niveau",
                            "type": "array",
                            "items": {"type": "integer"},
                        },
                        "available": {
                            "description": "Per niveau de jaren met cijfers",
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "integer"}},
                        },
                        "forecast_years": {
                            "description": (
                                "De jaren onder 'years' waarvan de cijfers een prognose zijn (status prognose), geen "
                                "meting; nooit het standaardjaar"
                            ),
                            "type": "array",
                            "items": {"type": "integer"},
                        },
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["type", "geometry", "properties"],
                                "properties": {
                                    "type": {"const": "Feature"},
                                    "geometry": {"type": "object"},
                                    "properties": {
                                        "type": "object",
                                        "required": ["code", "naam", "parent"],
                                        "properties": {
                                            "code": {"type": "string"},
                                            "naam": {"type": "string"},
                                            "parent": {"type": "string"},
                                            "indeling": {
                                                "description": "Wijk en stadsdeel: hoe zeker de indeling in "
                                                "stadsdelen is",
                                                "type": "string",
                                                "enum": [g.value for g in Grouping],
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "Value": {
                    "type": "object",
                    "required": ["code", "value", "n", "status", "period"],
                    "properties": {
                        "code": {"type": "string"},
                        "naam": {"type": "string"},
                        "value": nullable_number,
                        "n": nullable_number,
                        "status": {
                            "type": "string",
                            "enum": [s.value for s in Status],
                            "description": (
                                "ok: gemeten en gepubliceerd; prognose: een verwachting, geen meting (met waarde); "
                                "suppressed: niet gepubliceerd (privacy); missing: geen gegevens"
                            ),
                        },
                        "period": {"type": "string"},
                        "source": {"type": ["string", "null"], "description": "De bron van deze waarde"},
                        "ci_low": {
                            **nullable_number,
                            "description": "Ondergrens van het 95%-interval, naar buiten afgerond (bij een aantal: van "
                            "het aantal)",
                        },
                        "ci_high": {**nullable_number, "description": "Bovengrens van het 95%-interval"},
                        "significant": {
                            "type": "string",
                            "enum": ["hoger", "lager", ""],
                            "description": "hoger of lager wanneer reference buiten [ci_low, ci_high] ligt",
                        },
                        "verdict": {
                            "type": "string",
                            "enum": [v.value for v in Verdict],
                            "description": "Het oordeel tegenover de gemeente: hoger (reference < ci_low), lager "
                            "(reference > ci_high), niet_duidelijk (reference in het interval), geen_interval, "
                            f"te_klein (minder dan {MIN_INHABITANTS} inwoners of {MIN_RESPONDENTS} respondenten), "
                            "of leeg (de gemeente zelf, geen gepubliceerde waarde, of niets om mee te vergelijken)",
                        },
                        "reference": {
                            **nullable_number,
                            "description": "Waarmee vergeleken is: de waarde van de gemeente; bij een aantal het "
                            "aantal dat het gebied bij het cijfer per 1.000 van de gemeente zou hebben",
                        },
                        "rate": {
                            **nullable_number,
                            "description": "Bij een aantal met een noemer: het aantal per 1.000 inwoners of "
                            "huishoudens",
                        },
                    },
                },
                "TileIndex": {
                    "type": "object",
                    "required": ["layer", "zoom", "count", "tiles"],
                    "properties": {
                        "layer": {"type": "string"},
                        "zoom": {"type": "integer"},
                        "count": {"type": "integer", "description": "Het aantal punten in alle tegels samen"},
                        "tiles": {
                            "type": "array",
                            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 3},
                        },
                    },
                },
                "Values": {
                    "type": "object",
                    "required": ["indicator", "niveau", "jaar", "values"],
                    "properties": {
                        "indicator": {"type": "string"},
                        "niveau": {"type": "string", "enum": [*LEVELS, *ABOVE_LEVELS]},
                        "jaar": {"type": "integer"},
                        "code": {"type": "string", "description": "Het gebied waarnaar gevraagd is (bij 'code')"},
                        "levels": {"type": "array", "items": {"type": "string"}},
                        "values": {"type": "array", "items": {"$ref": "#/components/schemas/Value"}},
                    },
                },
            },
        },
    }
