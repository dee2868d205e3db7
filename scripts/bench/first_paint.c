/* Polls the X display's root window until it is not one flat colour, then prints the wall clock (ns since the
 * epoch) of the first such screenshot and how long one screenshot took. gui.sh uses it for "first painted window,
 * seen from outside": a direct XGetImage is ~10x quicker than ImageMagick's `import`, so the figure is late by
 * at most one such poll. Build: cc -O2 first_paint.c -lX11. Usage: first_paint TIMEOUT_MS */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    long long timeout_ns = (argc > 1 ? atoll(argv[1]) : 30000) * 1000000LL;
    Display *d = XOpenDisplay(NULL);
    if (!d) { fprintf(stderr, "first_paint: cannot open the display\n"); return 2; }
    Window root = DefaultRootWindow(d);
    XWindowAttributes a;
    XGetWindowAttributes(d, root, &a);
    long long start = now_ns();
    for (;;) {
        long long p0 = now_ns();
        XImage *img = XGetImage(d, root, 0, 0, a.width, a.height, AllPlanes, ZPixmap);
        long long p1 = now_ns();
        if (img) {
            unsigned long first = XGetPixel(img, 0, 0);
            int flat = 1;
            for (int y = 0; y < img->height && flat; y++)
                for (int x = 0; x < img->width; x++)
                    if (XGetPixel(img, x, y) != first) { flat = 0; break; }
            XDestroyImage(img);
            if (!flat) { printf("%lld %lld\n", p1, (p1 - p0) / 1000000LL); return 0; }
        }
        if (p1 - start > timeout_ns) { fprintf(stderr, "first_paint: still one colour\n"); return 1; }
    }
}
