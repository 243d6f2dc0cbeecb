# Writes copies of a folder's .nii.gz files whose slices span another field of view: MARGIN voxels added on each side
# of x and y (with the volume's lowest value), or taken off each side when MARGIN is negative, the sform moved so that
# every kept voxel stays where it was (qform off). The pixels keep their size: a CHAOS slice of 256 x 1.25 mm (320 mm)
# with MARGIN 32 spans 400 mm, with MARGIN -16 280 mm.
# Python 3 standard library only. Usage: field_of_view.py SOURCE_FOLDER TARGET_FOLDER MARGIN
import array, gzip, os, struct, sys
src, dst, margin = sys.argv[1], sys.argv[2], int(sys.argv[3])
codes = {2: 'B', 4: 'h', 8: 'i', 16: 'f', 64: 'd', 256: 'b', 512: 'H', 768: 'I'}
def datatype_ok(raw, e):
    return struct.unpack(e + 'h', raw[70:72])[0] in codes

for name in sorted(n for n in os.listdir(src) if n.endswith('.nii.gz')):
    raw = bytearray(gzip.open(os.path.join(src, name)).read())
    e = '<' if struct.unpack('<i', raw[0:4])[0] == 348 else '>'
    dims = list(struct.unpack(e + '8h', raw[40:56]))
    nx, ny, nz = dims[1], dims[2], dims[3]
    assert dims[0] == 3 or all(d <= 1 for d in dims[4:dims[0] + 1]), name + ': not a 3D volume'
    assert nx + 2 * margin > 0 and ny + 2 * margin > 0, name + ': the margin takes off the whole slice'
    assert datatype_ok(raw, e), name + ': a datatype this script does not read'

    datatype = struct.unpack(e + 'h', raw[70:72])[0]
    off = int(struct.unpack(e + 'f', raw[108:112])[0])
    assert struct.unpack(e + 'h', raw[254:256])[0] > 0, name + ': no sform'
    values = array.array(codes[datatype], bytes(raw[off:off + nx * ny * nz * struct.calcsize(codes[datatype])]))
    if e != ('<' if sys.byteorder == 'little' else '>'):
        values.byteswap()
    mx, my = nx + 2 * margin, ny + 2 * margin
    low = min(values)
    out = array.array(values.typecode, [low]) * (mx * my * nz)
    for z in range(nz):
        for y in range(max(0, -margin), min(ny, ny + margin)):
            x0, x1 = max(0, -margin), min(nx, nx + margin)
            a = (z * ny + y) * nx
            b = (z * my + y + margin) * mx + margin
            out[b + x0:b + x1] = values[a + x0:a + x1]
    if e != ('<' if sys.byteorder == 'little' else '>'):
        out.byteswap()
    dims[1], dims[2] = mx, my
    raw[40:56] = struct.pack(e + '8h', *dims)
    for r in range(3):
        row = list(struct.unpack(e + '4f', raw[280 + 16 * r:296 + 16 * r]))
        row[3] -= margin * (row[0] + row[1])
        raw[280 + 16 * r:296 + 16 * r] = struct.pack(e + '4f', *row)
    raw[252:254] = struct.pack(e + 'h', 0)
    os.makedirs(dst, exist_ok=True)
    with gzip.open(os.path.join(dst, name), 'wb') as f:
        f.write(bytes(raw[:off]) + out.tobytes())
    print(name, nx, ny, nz, '->', mx, my, nz)
