#pragma once
#include <hdf5.h>

// HDF5 spells several constants as macros that call H5open() or cast (H5F_ACC_RDONLY,
// H5T_NATIVE_FLOAT, …); Swift cannot import those, so they are re-exported as inline functions.
static inline hid_t ft_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t ft_h5s_all(void) { return H5S_ALL; }
static inline hid_t ft_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned ft_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ft_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned ft_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t ft_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ft_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t ft_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t ft_h5t_variable(void) { return H5T_VARIABLE; }

/// Turns off libhdf5's automatic printing of its error stack on the calling thread (the stack is
/// per thread in thread-safe builds); callers read the stack themselves with H5Ewalk2.
static inline herr_t ft_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
