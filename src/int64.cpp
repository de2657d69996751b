// The compiled library's int64 instantiations (the list is include/tensorgrad/instantiations.hpp).
#include <tensorgrad/instantiations.hpp>

TG_INSTANTIATE_ALL_DTYPES(, std::int64_t)
