//! A metrics snapshot as an OTLP `ExportMetricsServiceRequest` (docs/teams.md, "OpenTelemetry"),
//! encoded as protobuf or as proto3 JSON, gzipped for the wire.
//!
//! The messages are `opentelemetry-proto`'s, generated from the official .proto files; its
//! serde derives give the proto3 JSON mapping (lowerCamelCase keys, 64-bit integers as
//! strings, enums as numbers), which the tests below pin.

use std::io::Write as _;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;
use scopeon_core::metrics::{MetricsSnapshot, UsageSeries};

/// How a request is encoded (`--protocol`, `OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf` (the default).
    Protobuf,
    /// `http/json`.
    Json,
}

impl Protocol {
    /// `http/protobuf` or `http/json`; anything else (`grpc`) is refused with what is
    /// accepted.
    pub fn parse(s: &str) -> Result<Protocol, String> {
        match s {
            "http/protobuf" => Ok(Protocol::Protobuf),
            "http/json" => Ok(Protocol::Json),
            other => Err(format!(
                "unknown OTLP protocol {other:?}; use http/protobuf or http/json (gRPC is not supported)"
            )),
        }
    }

    /// The body's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Protobuf => "application/x-protobuf",
            Protocol::Json => "application/json",
        }
    }
}

/// What the resource says about the sender.
#[derive(Debug, Clone, Default)]
pub struct ResourceInfo {
    /// `host.name`, only when the user asked for it.
    pub host_name: Option<String>,
}

fn string_attr(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        // Fields of later protocol versions (profiles' string tables) stay at their defaults.
        ..KeyValue::default()
    }
}

/// A series' attributes: the provider, and the model when the log named one.
fn series_attrs(s: &UsageSeries) -> Vec<KeyValue> {
    let mut attrs = vec![string_attr("gen_ai.provider.name", &s.key.provider)];
    if let Some(model) = &s.key.model {
        attrs.push(string_attr("gen_ai.request.model", model));
    }
    attrs
}

/// A monotonic cumulative sum.
fn cumulative_sum(
    name: &str,
    description: &str,
    unit: &str,
    data_points: Vec<NumberDataPoint>,
) -> Metric {
    Metric {
        name: name.to_owned(),
        description: description.to_owned(),
        unit: unit.to_owned(),
        metadata: Vec::new(),
        data: Some(metric::Data::Sum(Sum {
            data_points,
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })),
    }
}

/// Counts never exceed i64 in practice (that is 9.2e18 tokens); saturate rather than wrap.
fn int(n: u64) -> Option<number_data_point::Value> {
    Some(number_data_point::Value::AsInt(
        i64::try_from(n).unwrap_or(i64::MAX),
    ))
}

/// The request for `snapshot`: `scopeon.tokens`, `scopeon.cost` and `scopeon.requests`, every
/// point cumulative since `start_unix_nano` and taken at the snapshot's time.
pub fn request(
    snapshot: &MetricsSnapshot,
    start_unix_nano: u64,
    resource: &ResourceInfo,
) -> ExportMetricsServiceRequest {
    let time_unix_nano = u64::try_from(snapshot.generated_at.as_nanosecond()).unwrap_or(0);
    // A start after the points' time is invalid; a clock that moved back gets one at the time.
    let start_time_unix_nano = start_unix_nano.min(time_unix_nano);
    let point = |attributes: Vec<KeyValue>, value| NumberDataPoint {
        attributes,
        start_time_unix_nano,
        time_unix_nano,
        exemplars: Vec::new(),
        flags: 0,
        value,
    };
    let mut tokens = Vec::new();
    let mut cost = Vec::new();
    let mut requests = Vec::new();
    for s in &snapshot.series {
        for (token_type, n) in s.counts.by_token_type() {
            let mut attrs = series_attrs(s);
            attrs.push(string_attr("gen_ai.token.type", token_type));
            tokens.push(point(attrs, int(n)));
        }
        cost.push(point(
            series_attrs(s),
            Some(number_data_point::Value::AsDouble(s.counts.cost_usd())),
        ));
        requests.push(point(series_attrs(s), int(s.counts.requests)));
    }
    let mut resource_attrs = vec![string_attr("service.name", "scopeon")];
    resource_attrs.push(string_attr("service.version", env!("CARGO_PKG_VERSION")));
    if let Some(host) = &resource.host_name {
        resource_attrs.push(string_attr("host.name", host));
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource_attrs,
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "scopeon".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    attributes: Vec::new(),
                    dropped_attributes_count: 0,
                }),
                metrics: vec![
                    cumulative_sum(
                        "scopeon.tokens",
                        "Tokens used since the start time, by provider, model and token type.",
                        "{token}",
                        tokens,
                    ),
                    cumulative_sum(
                        "scopeon.cost",
                        "Calculated cost of the priced requests since the start time.",
                        "USD",
                        cost,
                    ),
                    cumulative_sum(
                        "scopeon.requests",
                        "Deduplicated requests since the start time.",
                        "{request}",
                        requests,
                    ),
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The request's body in `protocol`, before compression.
pub fn encode(request: &ExportMetricsServiceRequest, protocol: Protocol) -> Vec<u8> {
    match protocol {
        Protocol::Protobuf => request.encode_to_vec(),
        // Serializing these generated structs into memory cannot fail (no map with non-string
        // keys, no I/O).
        Protocol::Json => serde_json::to_vec(request).unwrap_or_default(),
    }
}

/// `body` gzipped (`Content-Encoding: gzip`).
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scopeon_core::metrics::{SeriesKey, UsageCounts};
    use serde_json::Value;

    fn snapshot() -> MetricsSnapshot {
        MetricsSnapshot {
            generated_at: "2026-11-20T12:00:00Z".parse().unwrap(),
            earliest_request_ms: Some(0),
            series: vec![UsageSeries {
                key: SeriesKey {
                    provider: "codex".into(),
                    model: Some("gpt-5".into()),
                    project: None,
                },
                counts: UsageCounts {
                    requests: 2,
                    input_tokens: 9_007_199_254_740_993, // above 2^53: must stay exact
                    output_tokens: 5,
                    cost_pusd: 500_000_000_000,
                    ..UsageCounts::default()
                },
            }],
            rate_limits: Vec::new(),
        }
    }

    #[test]
    fn json_is_proto3_json() {
        let req = request(&snapshot(), 1_000, &ResourceInfo::default());
        let json: Value = serde_json::from_slice(&encode(&req, Protocol::Json)).unwrap();
        let metrics = &json["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
        let tokens = &metrics[0];
        assert_eq!(tokens["name"], "scopeon.tokens");
        assert_eq!(tokens["unit"], "{token}");
        // Enums as numbers (2 is CUMULATIVE), lowerCamelCase keys.
        assert_eq!(tokens["sum"]["aggregationTemporality"], 2);
        assert_eq!(tokens["sum"]["isMonotonic"], true);
        let first = &tokens["sum"]["dataPoints"][0];
        // 64-bit integers as strings, exact.
        assert_eq!(first["asInt"], "9007199254740993");
        assert_eq!(first["startTimeUnixNano"], "1000");
        assert_eq!(first["timeUnixNano"], "1795176000000000000");
        assert_eq!(first["attributes"][0]["key"], "gen_ai.provider.name");
        assert_eq!(first["attributes"][0]["value"]["stringValue"], "codex");
        assert_eq!(metrics[1]["sum"]["dataPoints"][0]["asDouble"], 0.5);
        let resource = &json["resourceMetrics"][0]["resource"]["attributes"];
        assert_eq!(resource[0]["value"]["stringValue"], "scopeon");
        assert!(
            !resource
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["key"] == "host.name")
        );
    }

    #[test]
    fn protobuf_round_trips_and_host_name_only_when_asked() {
        let with_host = ResourceInfo {
            host_name: Some("dev-laptop".into()),
        };
        let req = request(&snapshot(), 1_000, &with_host);
        let bytes = encode(&req, Protocol::Protobuf);
        let back = ExportMetricsServiceRequest::decode(bytes.as_slice()).unwrap();
        assert_eq!(back, req);
        let attrs = &back.resource_metrics[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes;
        assert!(attrs.iter().any(|a| a.key == "host.name"));
        // Four token types, one cost and one request point per series.
        let metrics = &back.resource_metrics[0].scope_metrics[0].metrics;
        let points = |i: usize| match &metrics[i].data {
            Some(metric::Data::Sum(s)) => s.data_points.len(),
            _ => 0,
        };
        assert_eq!((points(0), points(1), points(2)), (4, 1, 1));
    }

    #[test]
    fn a_start_after_the_points_is_clamped() {
        let req = request(&snapshot(), u64::MAX, &ResourceInfo::default());
        let Some(metric::Data::Sum(sum)) =
            &req.resource_metrics[0].scope_metrics[0].metrics[0].data
        else {
            panic!("a sum")
        };
        let p = &sum.data_points[0];
        assert_eq!(p.start_time_unix_nano, p.time_unix_nano);
    }

    #[test]
    fn gzip_is_gzip() {
        let z = gzip(b"hello");
        assert_eq!(&z[..2], &[0x1f, 0x8b]);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(z.as_slice()), &mut out)
            .unwrap();
        assert_eq!(out, "hello");
    }
}
