// The translation unit that builds the precompiled headers (cmake/storemesh_pch.cmake).
