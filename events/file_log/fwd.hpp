#pragma once
// Forward declarations of the file log's public types, for headers that only
// pass them around.

namespace storemesh::events {

class file_log;
class file_log_reader;
struct file_log_options;
enum class fsync_policy;

} // namespace storemesh::events
