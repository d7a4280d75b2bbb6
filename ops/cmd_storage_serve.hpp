#pragma once
// storemesh storage serve: a storage system that speaks only Fibre Channel
// (ops/cmd_storage_serve.cpp). The lead registers it under `storage` in main.

#include <CLI/CLI.hpp>

namespace storemesh::ops {

/// Adds `serve` to the `storage` subcommand.
void add_storage_serve(CLI::App& storage);

} // namespace storemesh::ops
