#pragma once
// Forward declarations of the Kafka log's public types, for headers that only
// pass them around.

namespace storemesh::events {

class kafka_log;
struct kafka_log_options;

} // namespace storemesh::events
