#include "sim/scenarios/scenarios.hpp"
namespace storemesh::sim {
std::unique_ptr<scenario> make_rebalancing_scenario() { return nullptr; }
}
