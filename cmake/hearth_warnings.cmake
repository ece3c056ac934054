# Warnings apply to hearth's own targets only; engine headers come in as SYSTEM includes.
function(hearth_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wcast-align -Woverloaded-virtual
                                             # GCC 12 reports std::string appends inlined at -O3 as
                                             # overlapping memcpy (GCC bug 105329): a false positive.
                                             $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
    if(HEARTH_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
