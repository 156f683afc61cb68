#!/usr/bin/env python3
"""Writes Tests/S2ACCoreTests/Fixtures/hdf5/fixed-strings.h5 with h5py, an independent writer
(HDF5Tests.fixedLengthStrings reads it):
- `short`: 3 fixed-length strings of 4 bytes, NUL-padded ("ab", "cdef", ""), written;
- `unwritten`: 100 fixed-length strings of 1000 bytes, created and never written, so the file
  stores none of their 100 kB (contiguous layout, late allocation): a header that claims more
  string bytes than the file holds, which the reader refuses before allocating them;
- attribute `label` on the root: fixed-length, 6 bytes, "alpha".
Usage: make_hdf5_fixtures.py [OUT_FOLDER]
"""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', '..', 'Tests', 'S2ACCoreTests', 'Fixtures', 'hdf5')
os.makedirs(out, exist_ok=True)
path = os.path.join(out, 'fixed-strings.h5')
with h5py.File(path, 'w', libver='earliest') as f:
    f.create_dataset('short', data=np.array([b'ab', b'cdef', b''], dtype='S4'))
    f.create_dataset('unwritten', shape=(100,), dtype='S1000')
    f.attrs.create('label', np.bytes_(b'alpha'), dtype='S6')
with h5py.File(path, 'r') as f:
    assert f['unwritten'].id.get_storage_size() == 0
    assert os.path.getsize(path) < 100 * 1000
print(f'{path}: {os.path.getsize(path)} bytes, h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}')
