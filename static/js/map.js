/* The map of a search's cases (/map/), drawn with Leaflet over the server-rendered map.

   The server-rendered map and the table of places stay in the page: they are what a reader
   without JavaScript uses, and what is left when the data or a library fails to load. This
   script replaces the server's map only once it has everything it needs to draw.
   Everything comes from the page's data- attributes and the site itself: the cases' GeoJSON
   (same query string as the page), and either the shipped country outlines or, when the site
   sets a tile server, its tiles. Texts from the database are put in as text, never as HTML. */
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

  function draw(cases, outlines) {
    var live = element("div", "case-map__live");
    live.setAttribute("role", "region");
    live.setAttribute("aria-label", data.labelMap);
    holder.insertBefore(live, holder.firstChild);
    holder.classList.add("case-map--live");

    var map = L.map(live, {
      attributionControl: false,
      zoomControl: true,
      minZoom: 2,
      maxZoom: tileUrl ? 18 : 10,
      worldCopyJump: false,
    });
    var credits = L.control.attribution({ prefix: false }).addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
      credits.addAttribution(data.tileAttribution);
    } else {
      L.geoJSON(topojson.feature(outlines, outlines.objects.countries), {
        interactive: false,
        style: {
          className: "map-country",
          color: "#8a8477",
          weight: 1,
          fillColor: "#f4f1ea",
          fillOpacity: 1,
        },
      }).addTo(map);
      credits.addAttribution(data.outlineAttribution);
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

    var bounds = clusters.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.2), { maxZoom: 7 });
    } else {
      map.fitBounds(DEFAULT_BOUNDS);
    }
  }

  function failed() {
    var notice = element("p", "alert alert--caution", data.labelFailed);
    holder.insertBefore(notice, holder.firstChild);
  }

  Promise.all([getJSON(data.cases), tileUrl ? null : getJSON(data.outlines)])
    .then(function (loaded) {
      draw(loaded[0], loaded[1]);
    })
    .catch(failed);
})();
