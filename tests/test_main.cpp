// The one main() of every Boost.Test binary.
#define BOOST_TEST_MODULE storemesh
#include <boost/test/unit_test.hpp>
