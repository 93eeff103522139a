/* The map of a search's cases (/map/), drawn with Leaflet over the server-rendered map.

   The server-rendered map and the table of places stay in the page: they are what a reader
   without JavaScript uses, and what is left when the data or a library fails to load. This
   script replaces the server's map only once it has everything it needs to draw.
   Everything comes from the page and the site itself: the cases' GeoJSON (same query string
   as the page) and, unless the site sets a tile server, the country outlines the server drew
   into the page's SVG, read back as latitudes and longitudes (cases/geo.py, Projection), so
   that no outline file is downloaded. Texts from the database are put in as text, never as
   HTML. */
(function () {
  "use strict";

  var holder = document.getElementById("case-map");
  if (!holder || !window.L || !window.fetch) {
    return;
  }
  var data = holder.dataset;
  var tileUrl = data.tileUrl || "";
  // Tibet, China and their neighbours, when no case has a place to fit the map to.
  var DEFAULT_BOUNDS = [[15, 70], [55, 136]];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function fact(list, label, value) {
    if (value === "" || value === undefined || value === null) {
      return;
    }
    list.appendChild(element("dt", "", label));
    list.appendChild(element("dd", "", value));
  }

  function popupOf(properties) {
    var box = element("div", "map-popup");
    var heading = element("p", "map-popup__title");
    var link = element("a");
    link.href = properties.url;
    link.appendChild(element("span", "reference", properties.reference));
    link.appendChild(document.createTextNode(" " + properties.title));
    heading.appendChild(link);
    box.appendChild(heading);
    var facts = element("dl", "map-popup__facts");
    fact(facts, data.labelWhen, properties.occurred);
    fact(facts, data.labelWhere, properties.place);
    fact(facts, data.labelDrawnAt, properties.drawn_at);
    fact(facts, data.labelPeople, properties.people);
    box.appendChild(facts);
    return box;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }
    );
  }

  // The SVG's outlines as rings of [latitude, longitude]: its path data is "Mx yLx y…Z" for
  // each ring, in pixels of a plate carrée whose origin and scales the SVG states.
  function outlinesOf(svg) {
    var projection = svg.getAttribute("data-projection").split(" ").map(Number);
    var west = projection[0];
    var north = projection[1];
    var perX = projection[2];
    var perY = projection[3];
    var box = svg.viewBox.baseVal;
    var rings = [];
    svg.querySelectorAll(".map-svg__country").forEach(function (path) {
      path
        .getAttribute("d")
        .split("M")
        .forEach(function (part) {
          var points = part.replace("Z", "").split("L");
          if (points.length < 3) {
            return;
          }
          rings.push(
            points.map(function (point) {
              var xy = point.split(" ");
              return [north - Number(xy[1]) / perY, west + Number(xy[0]) / perX];
            })
          );
        });
    });
    var bounds = L.latLngBounds(
      [north - box.height / perY, west],
      [north, west + box.width / perX]
    );
    return { rings: rings, bounds: bounds };
  }

  function draw(cases, outlines, area) {
    var live = element("div", "case-map__live");
    live.setAttribute("role", "region");
    live.setAttribute("aria-label", data.labelMap);
    holder.insertBefore(live, holder.firstChild);
    holder.classList.add("case-map--live");

    var map = L.map(live, {
      attributionControl: false,
      zoomControl: false,
      minZoom: 2,
      maxZoom: tileUrl ? 18 : 10,
      worldCopyJump: false,
    });
    L.control.zoom({ zoomInTitle: data.labelZoomIn, zoomOutTitle: data.labelZoomOut }).addTo(map);
    var credits = L.control.attribution({ prefix: false }).addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
      credits.addAttribution(data.tileAttribution);
    } else if (outlines) {
      L.polygon(outlines.rings, {
        interactive: false,
        className: "map-country",
        color: "#8a8477",
        weight: 1,
        fillColor: "#f4f1ea",
        fillOpacity: 1,
      }).addTo(map);
      credits.addAttribution(data.outlineAttribution);
      // Outside the area the server drew there is nothing to see: keep the map on it.
      map.setMaxBounds(outlines.bounds.pad(0.5));
    }

    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    L.geoJSON(cases, {
      pointToLayer: function (feature, latlng) {
        return L.marker(latlng, { alt: feature.properties.reference, keyboard: true });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () {
          return popupOf(feature.properties);
        });
      },
    }).eachLayer(function (marker) {
      clusters.addLayer(marker);
    });
    map.addLayer(clusters);

    // The area the server drew around the cases (a few degrees at least, so that one county
    // is seen with the country around it); with no SVG, the cases themselves.
    var bounds = area || clusters.getBounds();
    map.fitBounds(bounds.isValid() ? bounds : DEFAULT_BOUNDS, { maxZoom: 7 });
  }

  function failed() {
    var notice = element("p", "alert alert--caution", data.labelFailed);
    holder.insertBefore(notice, holder.firstChild);
  }

  var svg = holder.querySelector("svg[data-projection]");
  getJSON(data.cases)
    .then(function (cases) {
      var outlines = svg ? outlinesOf(svg) : null;
      draw(cases, tileUrl ? null : outlines, outlines ? outlines.bounds : null);
    })
    .catch(failed);
})();
