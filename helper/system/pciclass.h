/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pciclass.h - names of PCI class codes, as lspci prints them (PCI Code
 * and ID Assignment Specification, rev 1.11, section 1).
 */
#pragma once

#include <stdint.h>

/**
 * pci_class_name() - lspci-style name of a class code ("USB controller").
 * @class: the class attribute's value, 0xCCSSPP (class, subclass,
 *         prog-if; Documentation/ABI/testing/sysfs-bus-pci).
 * Return: a static string: the sub-class's name, else the base class's
 * ("Mass storage controller"), else "Class CCSS" in a static buffer that
 * the next unknown code overwrites.
 */
const char *pci_class_name(uint32_t class);
