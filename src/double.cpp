// The compiled library's double instantiations (the list is include/tensorgrad/instantiations.hpp).
#include <tensorgrad/instantiations.hpp>

TG_INSTANTIATE_ALL_DTYPES(, double)
TG_INSTANTIATE_FLOATING(, double)
