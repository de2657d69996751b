// The compiled library's float instantiations (the list is include/tensorgrad/instantiations.hpp).
#include <tensorgrad/instantiations.hpp>

TG_INSTANTIATE_ALL_DTYPES(, float)
TG_INSTANTIATE_FLOATING(, float)

const int tg::detail::TENSORGRAD_COMPILED_is_defined_so_link_the_tensorgrad_compiled_library = 1;
