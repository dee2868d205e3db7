import sys, gi
gi.require_version('Gtk', '3.0')
from gi.repository import Gtk, Gdk
uri = sys.argv[1]
w = Gtk.Window(title="drag source")
b = Gtk.Button(label="drag me")
w.add(b)
w.move(0, 0)
w.set_default_size(200, 100)
b.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
b.drag_source_add_uri_targets()
b.connect("drag-data-get", lambda wid, ctx, data, info, t: data.set_uris([uri]))
b.connect("drag-end", lambda *a: print("drag-end", flush=True))
w.show_all()
Gtk.main()
